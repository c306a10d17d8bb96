export { BackupDecryptStream, BackupEncryptStream, BackupError, backupKeyId } from './backup-file.js';
export type { BackupErrorCode, BackupHeader } from './backup-file.js';
export { loadOrder, restoreBackup, writeBackup } from './logical-backup.js';
export type { BackupManifest, BackupSummary, RestoreSummary } from './logical-backup.js';
