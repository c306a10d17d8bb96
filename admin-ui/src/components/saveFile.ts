/** Saves a blob as a file from memory: nothing reaches browser storage, and the object URL is released right after the click. */
export function saveBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  try {
    const link = document.createElement('a');
    link.href = url;
    link.download = fileName;
    document.body.appendChild(link);
    link.click();
    link.remove();
  } finally {
    // After the click the browser holds its own reference to the blob.
    setTimeout(() => URL.revokeObjectURL(url), 0);
  }
}

export function saveJson(data: unknown, fileName: string): void {
  saveBlob(new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' }), fileName);
}
