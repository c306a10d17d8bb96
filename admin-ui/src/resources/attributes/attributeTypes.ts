import type { AttributeType } from '../../providers/dataProvider';

export const ATTRIBUTE_TYPES: { id: AttributeType; name: string; description: string }[] = [
  { id: 'text', name: 'Text', description: 'Free text, up to 500 characters' },
  { id: 'enum', name: 'One of a list', description: 'One value among the options' },
  { id: 'number', name: 'Number', description: 'A number' },
  { id: 'date', name: 'Date', description: 'A calendar date' },
  { id: 'boolean', name: 'Yes / no', description: 'True or false' },
  { id: 'list', name: 'Several of a list', description: 'Any number of values among the options' },
];

export const attributeTypeName = (type: AttributeType): string => ATTRIBUTE_TYPES.find((t) => t.id === type)?.name ?? type;

/** Types whose values must be among the definition's options. */
export const hasOptions = (type: AttributeType | undefined): boolean => type === 'enum' || type === 'list';
