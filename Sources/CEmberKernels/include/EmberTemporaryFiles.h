// The temporary files of atomic writes, removed when a signal arrives that would end the process
// (SIGINT, SIGTERM with their default action), so an interrupted save leaves no half-written file.
#ifndef EMBER_TEMPORARY_FILES_H
#define EMBER_TEMPORARY_FILES_H

/// Records `path` for removal on SIGINT/SIGTERM (installing the handlers on first use); returns the slot to
/// pass to `ember_temporary_forget`, or -1 when every slot is taken (the file is then not watched).
int ember_temporary_watch(const char *path);

/// Stops watching the file in `slot` (after it was renamed into place or removed).
void ember_temporary_forget(int slot);

#endif
