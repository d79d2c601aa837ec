/** One validation problem: a JSON path into the message value and what is wrong there. */
export interface Problem {
  path: string;
  message: string;
}
