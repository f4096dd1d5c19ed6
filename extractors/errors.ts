// Input the extractor refuses, with a message fit for the analyst (the CLI prints it as is).
export class ExtractInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExtractInputError';
  }
}
