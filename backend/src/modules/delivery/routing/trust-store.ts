import { readFileSync } from 'node:fs';
import { createSecureContext, rootCertificates, type SecureContext } from 'node:tls';
import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../../../config/index.js';

/** CAs trusted for SMTP and MTA-STS: the public roots plus SMTP_CA_FILE (a private PKI, or the dev mail sink's CA). */
@Injectable()
export class TrustStore {
  readonly ca?: string[];
  /** Built once: parsing the CA bundle per connection costs milliseconds of CPU for every TLS session. */
  readonly secureContext?: SecureContext;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    if (config.SMTP_CA_FILE) {
      this.ca = [...rootCertificates, readFileSync(config.SMTP_CA_FILE, 'utf8')];
      this.secureContext = createSecureContext({ ca: this.ca, minVersion: 'TLSv1.2' });
    }
  }
}
