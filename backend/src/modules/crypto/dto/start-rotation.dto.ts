import { IsIn } from 'class-validator';

export class StartRotationDto {
  @IsIn(['phi', 'secrets'], { message: 'purpose must be phi or secrets' }) purpose!: 'phi' | 'secrets';
}
