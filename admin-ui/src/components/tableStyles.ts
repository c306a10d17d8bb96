/** A wide table scrolls inside its card on a narrow window instead of widening the whole page. */
export const scrollableTable = { '& .RaDataTable-tableWrapper': { overflowX: 'auto' } } as const;
