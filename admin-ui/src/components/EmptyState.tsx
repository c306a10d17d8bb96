import { Box, Typography } from '@mui/material';
import type { ReactNode } from 'react';

interface EmptyStateProps {
  icon: ReactNode;
  title: string;
  children?: ReactNode;
  action?: ReactNode;
}

/** What a page shows before there is anything to list: what would be here, and how to start. */
export function EmptyState({ icon, title, children, action }: EmptyStateProps) {
  return (
    <Box data-testid="empty-state" sx={{ textAlign: 'center', py: 8, px: 2, color: 'text.secondary', '& svg.empty-icon': { fontSize: 72, opacity: 0.5 } }}>
      {icon}
      <Typography variant="h6" component="p" color="text.primary" sx={{ mt: 1 }}>
        {title}
      </Typography>
      {children && (
        <Typography variant="body2" sx={{ mt: 1, maxWidth: 520, mx: 'auto' }}>
          {children}
        </Typography>
      )}
      {action && <Box sx={{ mt: 3 }}>{action}</Box>}
    </Box>
  );
}
