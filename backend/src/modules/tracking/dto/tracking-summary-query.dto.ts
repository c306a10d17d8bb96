import { Matches } from 'class-validator';

export class TrackingSummaryQueryDto {
  @Matches(/^[1-9]\d{0,17}$/, { message: 'campaignId must be a campaign id (a positive integer)' }) campaignId!: string;
}
