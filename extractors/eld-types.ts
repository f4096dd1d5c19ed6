// The part of eld's API we use (its own typings describe the dynamic entry).
export interface Eld {
  detect(text: string): { language: string; isReliable(): boolean; getScores(): Record<string, number> };
  info(): { Languages: Record<number, string> };
}
