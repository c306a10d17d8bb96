export { CryptoModule } from './crypto.module.js';
export { CryptoService } from './crypto.service.js';
export type { KeyPurpose } from './entities/data-key.entity.js';
export { KEY_PROVIDER, LocalKeyProvider } from './key-provider.js';
export type { KeyProvider } from './key-provider.js';
