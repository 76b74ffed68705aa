/**
 * A Python exception, by class name and `str(e)`: an outcome the scorer reports for an entry
 * (Python would raise it), not a bug here. Built without a stack trace, whose capture costs
 * more than decoding a typical answer.
 */
export class PyException extends Error {
  readonly pyType: string;
  constructor(pyType: string, message: string) {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
    this.pyType = pyType;
    this.name = 'PyException';
  }
}
