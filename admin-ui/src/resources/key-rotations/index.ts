import EnhancedEncryption from '@mui/icons-material/EnhancedEncryption';
import type { ResourceProps } from 'react-admin';

import { EncryptionKeysPage } from './EncryptionKeysPage';

/** One page: the keys, a rotate action per key, and the rotation history. */
export const keyRotations: ResourceProps = {
  name: 'key-rotations',
  list: EncryptionKeysPage,
  icon: EnhancedEncryption,
};
