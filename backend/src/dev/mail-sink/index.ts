export { createTlsMaterial, loadOrCreateTlsMaterial, type TlsMaterial } from './cert.js';
export { CONTENT_SECURITY_POLICY, createInboxServer, type InboxHttpOptions } from './inbox-http.js';
export { DEFAULT_MAX_MESSAGE_BYTES, MailSink, readMessage, smtpError, type MailSinkLogger, type MailSinkOptions, type MessageListener } from './mail-sink.js';
export {
  DEFAULT_PAGE_SIZE,
  MAX_PAGE_SIZE,
  MessageStore,
  type MessagePage,
  type ReceivedMessage,
  type StoredMessage,
  type StoredMessageMeta,
  type TlsSessionInfo,
} from './message-store.js';
