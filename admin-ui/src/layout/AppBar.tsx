import ManageAccounts from '@mui/icons-material/ManageAccounts';
import { ListItemIcon, ListItemText, MenuItem, Typography } from '@mui/material';
import { forwardRef } from 'react';
import { AppBar as RaAppBar, Logout, TitlePortal, UserMenu, useBasename, useUserMenu } from 'react-admin';
import { Link } from 'react-router-dom';

const AccountMenuItem = forwardRef<HTMLAnchorElement>(function AccountMenuItem(props, ref) {
  const userMenu = useUserMenu();
  const basename = useBasename();
  return (
    <MenuItem ref={ref} {...props} component={Link} to={`${basename}/account`} onClick={() => userMenu?.onClose()}>
      <ListItemIcon>
        <ManageAccounts fontSize="small" />
      </ListItemIcon>
      <ListItemText>My account</ListItemText>
    </MenuItem>
  );
});

export function AppBar() {
  return (
    <RaAppBar
      userMenu={
        <UserMenu>
          <AccountMenuItem />
          <Logout />
        </UserMenu>
      }
    >
      <Typography variant="h6" component="span" sx={{ mr: 2, whiteSpace: 'nowrap' }}>
        HIPAA Mail
      </Typography>
      <TitlePortal />
    </RaAppBar>
  );
}
