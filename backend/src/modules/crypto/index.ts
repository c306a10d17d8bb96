export { CryptoModule } from './crypto.module.js';
export { CryptoService } from './crypto.service.js';
export { ENCRYPTED_COLUMNS } from './encrypted-columns.js';
export type { EncryptedColumn } from './encrypted-columns.js';
export type { KeyPurpose } from './entities/data-key.entity.js';
export { KEY_PROVIDER, LocalKeyProvider } from './key-provider.js';
export type { KeyProvider } from './key-provider.js';
export { KeyRotationService } from './key-rotation.service.js';
export type { KeyRotationView } from './key-rotation.service.js';
