import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import { xml } from '@codemirror/lang-xml';
import { bracketMatching, defaultHighlightStyle, syntaxHighlighting } from '@codemirror/language';
import { EditorState } from '@codemirror/state';
import { drawSelection, EditorView, highlightActiveLine, highlightActiveLineGutter, keymap, lineNumbers } from '@codemirror/view';
import { Box } from '@mui/material';
import { useEffect, useRef } from 'react';

const theme = EditorView.theme({
  '&': { fontSize: '0.8rem', border: '1px solid rgba(0, 0, 0, 0.23)', borderRadius: '4px', backgroundColor: '#fff' },
  '&.cm-focused': { outline: '2px solid #1976d2', outlineOffset: '-1px' },
  '.cm-scroller': { fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace', lineHeight: 1.5, minHeight: '28rem', maxHeight: '60vh' },
  '.cm-gutters': { backgroundColor: '#f5f5f5', color: '#757575', border: 'none' },
});

/**
 * A CodeMirror 6 editor for MJML (XML mode: tag matching and completion of closing tags), bundled
 * from npm. Controlled: `value` in, every change out; an outside change of `value` (a reload) replaces
 * the document without losing the undo history of typing.
 */
export function CodeEditor({ value, onChange, label, testId }: { value: string; onChange: (value: string) => void; label: string; testId?: string }) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const onChangeRef = useRef(onChange);
  useEffect(() => {
    onChangeRef.current = onChange;
  }, [onChange]);

  useEffect(() => {
    if (!host.current) return undefined;
    const editor = new EditorView({
      parent: host.current,
      state: EditorState.create({
        doc: value,
        extensions: [
          lineNumbers(),
          highlightActiveLineGutter(),
          highlightActiveLine(),
          drawSelection(),
          history(),
          keymap.of([...defaultKeymap, ...historyKeymap, indentWithTab]),
          xml(),
          syntaxHighlighting(defaultHighlightStyle),
          bracketMatching(),
          EditorView.lineWrapping,
          EditorView.contentAttributes.of({ 'aria-label': label, spellcheck: 'false' }),
          EditorView.updateListener.of((update) => {
            if (update.docChanged) onChangeRef.current(update.state.doc.toString());
          }),
          theme,
        ],
      }),
    });
    view.current = editor;
    return () => {
      editor.destroy();
      view.current = null;
    };
    // Created once; later values arrive through the effect below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  useEffect(() => {
    const editor = view.current;
    if (editor && editor.state.doc.toString() !== value) editor.dispatch({ changes: { from: 0, to: editor.state.doc.length, insert: value } });
  }, [value]);

  return <Box ref={host} data-testid={testId} data-length={value.length} />;
}
