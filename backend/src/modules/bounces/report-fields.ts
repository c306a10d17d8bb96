/**
 * The field groups of a `message/delivery-status` (RFC 3464) or `message/feedback-report` (RFC 5965) body:
 * header-style `Name: value` lines, folded lines joined, groups separated by blank lines. Names are lower-cased;
 * the first occurrence of a name in a group wins.
 */
export function parseFieldGroups(text: string): Map<string, string>[] {
  const groups: Map<string, string>[] = [];
  let current = new Map<string, string>();
  let last: string | undefined;
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '') {
      if (current.size) groups.push(current);
      current = new Map();
      last = undefined;
    } else if (/^[ \t]/.test(line)) {
      if (last) current.set(last, `${current.get(last) ?? ''} ${line.trim()}`);
    } else {
      const match = /^([A-Za-z0-9-]+)[ \t]*:[ \t]*(.*)$/.exec(line);
      last = match && !current.has(match[1].toLowerCase()) ? match[1].toLowerCase() : undefined;
      if (match && last) current.set(last, match[2].trim());
    }
  }
  if (current.size) groups.push(current);
  return groups;
}
