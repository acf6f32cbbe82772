/**
 * One captured inference: the contract between the capture sidecar (writer),
 * the capture stream (JSON Lines in S3, partitioned by
 * `model=<name>/variant=<variant>/dt=<YYYY-MM-DD>/hour=<HH>/`) and the drift
 * monitor (reader). One JSON object per line.
 */
export interface CaptureRecord {
  /** Unique id of the inference; the `X-Inference-Id` header, propagated or created. Ground-truth labels join on it. */
  readonly inferenceId: string;
  /** When the request arrived, ISO-8601 UTC (e.g. `2026-11-27T10:15:00.123Z`). */
  readonly timestamp: string;
  /** The model (the ModelEndpoint's model name). */
  readonly modelName: string;
  /** The model version served by the variant. */
  readonly modelVersion: string;
  /** The variant that served it (`primary`, `canary`, a segment name). */
  readonly variant: string;
  /** The request body: parsed JSON, or a base64 string when `encoding` is `base64`. */
  readonly request: any;
  /** The response body: parsed JSON, or a base64 string when `encoding` is `base64`. */
  readonly response: any;
  /** Set to `base64` when a body was not JSON (see `requestEncoding` / `responseEncoding` for which). @default - bodies are JSON */
  readonly encoding?: string;
  /** Set to `base64` when `request` is a base64 string (the request was not JSON, or the record was cut). @default - the request is JSON */
  readonly requestEncoding?: string;
  /** Set to `base64` when `response` is a base64 string (the response was not JSON, or the record was cut). @default - the response is JSON */
  readonly responseEncoding?: string;
  /** Time from request to the end of the response, in milliseconds. */
  readonly latencyMs: number;
  /** The HTTP status the model returned. */
  readonly status: number;
  /** True when a body exceeded the capture cap and was cut. */
  readonly truncated: boolean;
}

/** Naming of the capture stream's S3 prefixes (shared by writer and readers). */
export class CapturePrefix {
  /**
   * The S3 prefix holding one hour of one variant's records,
   * `<root>model=<model>/variant=<variant>/dt=<YYYY-MM-DD>/hour=<HH>/`.
   * @param root the capture root prefix (e.g. `capture/`), ending in `/` or empty
   */
  public static forHour(root: string, modelName: string, variant: string, hourStart: Date): string {
    const iso = hourStart.toISOString();
    return `${root}model=${modelName}/variant=${variant}/dt=${iso.slice(0, 10)}/hour=${iso.slice(11, 13)}/`;
  }

  /** The prefix of every record of a model, `<root>model=<model>/`. */
  public static forModel(root: string, modelName: string): string {
    return `${root}model=${modelName}/`;
  }

  private constructor() {}
}
