import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import cookieParser from 'cookie-parser';
import express, { type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import type { AppConfig } from '../../config/index.js';
import { createValidationPipe, HttpExceptionFilter } from '../errors/index.js';
import { APP_VERSION } from '../process/process-role.js';
import { repoRoot } from '../process/repo-root.js';

/** Everything about the HTTP surface that is not a route: hardening, parsing, errors, docs, the admin UI. */
export function configureHttp(app: NestExpressApplication, config: AppConfig): OpenAPIObject {
  if (config.TRUST_PROXY) app.set('trust proxy', 1);
  app.disable('x-powered-by');
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          // MUI/emotion injects style elements at run time.
          styleSrc: ["'self'", "'unsafe-inline'"],
          imgSrc: ["'self'", 'data:'],
          connectSrc: ["'self'"],
          fontSrc: ["'self'", 'data:'],
          objectSrc: ["'none'"],
          frameAncestors: ["'none'"],
          baseUri: ["'self'"],
          formAction: ["'self'"],
        },
      },
      strictTransportSecurity: config.PUBLIC_URL.startsWith('https:'),
      referrerPolicy: { policy: 'no-referrer' },
    }),
  );
  app.use(cookieParser());
  // Bulk upserts carry up to 10,000 contacts: their own, larger limit.
  app.use('/api/v1/contacts/bulk', express.json({ limit: '25mb' }));
  // Up to 1,000 events per call. FHIR and HL7 v2 bodies are parsed by their module, so a bad body is answered in kind (OperationOutcome, ACK).
  app.use('/api/v1/events', express.json({ limit: '5mb' }));
  app.use(['/api/v1/fhir', '/api/v1/hl7'], express.raw({ type: () => true, limit: '10mb' }));
  app.useBodyParser('json', { limit: config.BODY_LIMIT });
  app.useBodyParser('urlencoded', { limit: config.BODY_LIMIT, extended: false });
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new HttpExceptionFilter());
  app.use((_req: Request, res: Response, next: NextFunction) => {
    // API answers may carry PHI: never cache them in the browser or a proxy.
    res.setHeader('Cache-Control', 'no-store');
    next();
  });

  const document = buildOpenApi(app);
  server(app).get('/api/openapi.json', (_req: Request, res: Response) => {
    res.json(document);
  });
  serveAdminUi(app, config);
  return document;
}

export function buildOpenApi(app: INestApplication): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setTitle('HIPAA Mail API')
    .setDescription('Consented contacts with PHI attributes, segments, templates, campaigns, journeys and TLS-exclusive delivery.')
    .setVersion(APP_VERSION)
    .addCookieAuth('hm_session', { type: 'apiKey', in: 'cookie', name: 'hm_session' }, 'session')
    .addApiKey({ type: 'apiKey', in: 'header', name: 'x-api-key' }, 'apiKey')
    .build();
  return SwaggerModule.createDocument(app, builder);
}

function serveAdminUi(app: NestExpressApplication, config: AppConfig) {
  const dir = config.ADMIN_UI_DIR ?? join(repoRoot(), 'admin-ui/dist');
  const index = join(dir, 'index.html');
  const http = server(app);
  http.get('/', (_req: Request, res: Response) => res.redirect('/admin/'));
  app.use('/admin', express.static(dir, { index: false, maxAge: '1h', setHeaders: (res) => res.setHeader('Cache-Control', 'public, max-age=3600') }));
  // Client-side routes fall back to the single page (looked up per request: a rebuild may replace it).
  app.use('/admin', (req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      next();
      return;
    }
    if (!existsSync(index)) {
      res.status(503).type('text/plain').send('The admin UI is not built. Run: npm run build');
      return;
    }
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(index);
  });
}

function server(app: NestExpressApplication): express.Express {
  return app.getHttpAdapter().getInstance();
}
