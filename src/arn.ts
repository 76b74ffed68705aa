/**
 * The 12-digit account segment of every ARN in `text` replaced by `<account>`
 * (`arn:aws:bedrock:us-east-1:<account>:custom-model/...`, `arn:aws:iam::<account>:role/r`);
 * ARNs without one (foundation models) are unchanged. What the store, logs and results keep of
 * an ARN: account ids come from the environment and must not be written down.
 */
export function redactArnAccounts(text: string): string {
  return text.replace(/\b(arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:)\d{12}(?=:)/g, '$1<account>');
}
