export { AuthModule } from './auth.module.js';
export { SessionsService } from './sessions.service.js';
export { totpCode } from './totp.js';
export { UsersService } from './users.service.js';
export { ApiKeysService } from './api-keys.service.js';
export { UserAdminService } from './user-admin.service.js';
