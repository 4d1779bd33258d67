"""``iacguard lsp``: findings in the editor as the user types.

The server (pygls) keeps a warm ``Session`` (the loaded check set, the
configuration, the last findings) and rescans only the module or template a
changed document belongs to, with the editor's unsaved buffers read instead
of the disk. Findings become diagnostics; code actions add inline
suppressions; hover shows ``checks explain``.
"""
