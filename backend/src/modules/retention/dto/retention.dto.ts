import { IsBoolean, IsIn, IsInt, Max, Min, ValidateIf } from 'class-validator';
import { AUDIT_MIN_DAYS, CONTACT_ACTIONS, type ContactAction, LIMITS, type RetentionSettings } from '../retention-policy.js';

const L = LIMITS;
/** `null` turns a category off (kept for ever); a missing field is an error: PUT replaces the whole policy. */
const unlessNull = ValidateIf((_o, v) => v !== null);

export class RetentionPolicyDto implements RetentionSettings {
  @unlessNull
  @IsInt({ message: 'contactInactiveMonths must be a whole number of months, or null to keep contacts' })
  @Min(L.contactInactiveMonths.min)
  @Max(L.contactInactiveMonths.max)
  contactInactiveMonths!: number | null;

  @IsIn(CONTACT_ACTIONS, { message: 'contactAction must be anonymize or delete' })
  contactAction!: ContactAction;

  @unlessNull
  @IsInt({ message: 'messageDetailDays must be a whole number of days, or null to keep message detail' })
  @Min(L.messageDetailDays.min)
  @Max(L.messageDetailDays.max)
  messageDetailDays!: number | null;

  @unlessNull
  @IsInt({ message: 'engagementDays must be a whole number of days, or null to keep engagement events' })
  @Min(L.engagementDays.min)
  @Max(L.engagementDays.max)
  engagementDays!: number | null;

  @unlessNull
  @IsInt({ message: 'inboundPayloadDays must be a whole number of days, or null to keep inbound payloads' })
  @Min(L.inboundPayloadDays.min)
  @Max(L.inboundPayloadDays.max)
  inboundPayloadDays!: number | null;

  /** Configurable upwards only: the audit trail is kept six years at least. */
  @IsInt({ message: 'auditDays must be a whole number of days' })
  @Min(AUDIT_MIN_DAYS, { message: `auditDays must be at least ${String(AUDIT_MIN_DAYS)} (six years): the audit trail is never kept shorter` })
  @Max(L.auditDays.max)
  auditDays!: number;

  @IsBoolean() scheduleEnabled!: boolean;
}

export class StartRunDto {
  /** `true` counts what would go and changes nothing. */
  @IsBoolean() dryRun!: boolean;
}
