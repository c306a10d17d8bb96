import { Alert, Box, Button, Card, CardContent, Stack, TextField, Typography } from '@mui/material';
import { useState } from 'react';
import { Title, useNotify, useRedirect } from 'react-admin';

import { journeysApi } from '../../providers/journeysApi';

/** A new journey starts as a draft with a trigger and an exit; the builder takes it from there. */
export function JourneyCreate() {
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [error, setError] = useState<string | undefined>();
  const redirect = useRedirect();
  const notify = useNotify();
  const create = async () => {
    try {
      const { journey } = await journeysApi.create(name.trim(), description.trim());
      notify('Journey created: build it, then publish', { type: 'success' });
      redirect('show', 'journeys', journey.id);
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return (
    <Box sx={{ p: 2, maxWidth: 640 }}>
      <Title title="New journey" />
      <Card variant="outlined">
        <CardContent>
          <Typography variant="h6" gutterBottom>
            New journey
          </Typography>
          <Stack spacing={2}>
            <TextField
              label="Name"
              value={name}
              onChange={(e) => setName(e.target.value)}
              required
              slotProps={{ htmlInput: { 'data-testid': 'journey-name' } }}
            />
            <TextField label="Description" value={description} onChange={(e) => setDescription(e.target.value)} multiline minRows={2} />
            {error && <Alert severity="error">{error}</Alert>}
            <Box>
              <Button variant="contained" disabled={!name.trim()} onClick={() => void create()}>
                Create and open the builder
              </Button>
            </Box>
          </Stack>
        </CardContent>
      </Card>
    </Box>
  );
}
