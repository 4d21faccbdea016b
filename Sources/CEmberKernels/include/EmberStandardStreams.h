// Standard output as a command-line program wants it. Swift 6 cannot name C's `stdout`, a mutable global.
#ifndef EMBER_STANDARD_STREAMS_H
#define EMBER_STANDARD_STREAMS_H

/// Makes standard output line-buffered, so each line reaches a pipe (mpirun's, a log's) as it is printed.
void ember_line_buffer_stdout(void);

#endif
