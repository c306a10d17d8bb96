import { ArrayMaxSize, ArrayMinSize, IsArray, IsEmail, MaxLength } from 'class-validator';

export class TestSendDto {
  /** The seed list: staff mailboxes, not contacts. Never logged, never audited. */
  @IsArray({ message: 'addresses: expected a list of e-mail addresses' })
  @ArrayMinSize(1, { message: 'addresses: at least one address' })
  @ArrayMaxSize(10, { message: 'addresses: at most 10 addresses' })
  @MaxLength(254, { each: true, message: 'addresses: an address is at most 254 characters' })
  @IsEmail({}, { each: true, message: 'addresses: every entry must be a valid e-mail address' })
  addresses!: string[];
}
