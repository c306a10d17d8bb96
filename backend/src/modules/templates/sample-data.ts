import type { RenderContext } from './template-renderer.js';

/** A made-up patient for previews: no real person's data ever reaches a preview without a reveal. */
export const SAMPLE_CONTEXT: RenderContext = {
  contact: {
    firstName: 'Alex',
    lastName: 'Sample',
    email: 'alex.sample@example.com',
    birthDate: '1980-01-01',
    timeZone: 'America/New_York',
    locale: 'en-US',
    primaryProvider: 'Dr. Jordan Example',
    insurancePlan: 'Example Health Plan',
    lastVisitDate: '2025-10-02T14:30:00Z',
    nextVisitDate: '2026-03-08T15:00:00Z',
  },
  appointment: {
    startsAt: '2026-03-08T15:00:00Z',
    location: 'Example Clinic, Suite 100',
    providerName: 'Dr. Jordan Example',
    manage_url: 'https://example.com/appointments/manage',
  },
  organization_name: 'Example Health',
  organization_address: 'Example Health, 100 Main Street, Springfield, ST 00000',
  organization_phone: '(555) 010-0000',
  unsubscribe_url: 'https://example.com/u/preview',
  preferences_url: 'https://example.com/p/preview',
  confirm_url: 'https://example.com/confirm/preview',
  cta_url: 'https://example.com/learn-more',
};
