/**
 * Every failure mr-init reports, each with a stable code (the class name), a distinct exit status and a
 * one-line hint. The CLI prints `code: message. hint` as the last stderr line and into the termination
 * log, so `kubectl describe pod` shows it. Match errors by `code`, never by message text.
 */

export interface MrInitErrorOptions {
  /** What to do about it; overrides the class's default hint. */
  hint?: string;
  cause?: unknown;
}

export abstract class MrInitError extends Error {
  /** Stable identifier, equal to the class name. */
  static readonly code: string;
  /** Process exit status for this class; unique per class. */
  static readonly exitCode: number;
  /** Default advice when the thrower gives none. */
  static readonly help: string = '';

  readonly hint: string;

  constructor(message: string, options: MrInitErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.hint = options.hint ?? (this.constructor as typeof MrInitError).help;
    this.name = this.code;
  }

  get code(): string {
    return (this.constructor as typeof MrInitError).code;
  }

  get exitCode(): number {
    return (this.constructor as typeof MrInitError).exitCode;
  }

  /** The one line users see: code, what happened, what to do. */
  toLine(): string {
    const text = `${this.code}: ${this.message}`.replace(/\s*\n\s*/g, ' ').trim();
    return this.hint ? `${text.replace(/\.$/, '')}. ${this.hint}` : text;
  }
}

export class ErrUsage extends MrInitError {
  static override readonly code = 'ErrUsage';
  static override readonly exitCode = 1;
  static override readonly help = 'Run `mr-init download --help` for the argument forms.';
}
export class ErrConfig extends MrInitError {
  static override readonly code = 'ErrConfig';
  static override readonly exitCode = 2;
  static override readonly help = 'See docs/configuration.md for every setting and its allowed values.';
}
export class ErrInvalidMRURI extends MrInitError {
  static override readonly code = 'ErrInvalidMRURI';
  static override readonly exitCode = 3;
  static override readonly help =
    'Use model-registry://[host[:port]/]model[/version][?namespace=ns], percent-encoding special characters.';
}
export class ErrRegistryUnreachable extends MrInitError {
  static override readonly code = 'ErrRegistryUnreachable';
  static override readonly exitCode = 4;
  static override readonly help =
    'Check MODEL_REGISTRY_BASE_URL / MODEL_REGISTRY_SCHEME, the Service name and namespace, and network policies.';
}
export class ErrRegistryAuth extends MrInitError {
  static override readonly code = 'ErrRegistryAuth';
  static override readonly exitCode = 5;
  static override readonly help =
    'Set MODEL_REGISTRY_TOKEN or MODEL_REGISTRY_TOKEN_FILE to a token the registry accepts.';
}
export class ErrRegisteredModelNotFound extends MrInitError {
  static override readonly code = 'ErrRegisteredModelNotFound';
  static override readonly exitCode = 6;
  static override readonly help = 'Check the model name (it is case-sensitive) and that the registry is the right one.';
}
export class ErrModelVersionNotFound extends MrInitError {
  static override readonly code = 'ErrModelVersionNotFound';
  static override readonly exitCode = 7;
  static override readonly help = 'Check the version name, or omit it to use the latest LIVE version.';
}
export class ErrNoVersionAssociated extends MrInitError {
  static override readonly code = 'ErrNoVersionAssociated';
  static override readonly exitCode = 8;
  static override readonly help = 'Register a LIVE version of the model, or name an archived one explicitly.';
}
export class ErrNoArtifactAssociated extends MrInitError {
  static override readonly code = 'ErrNoArtifactAssociated';
  static override readonly exitCode = 9;
  static override readonly help = 'Register a model artifact with a storage URI for this version.';
}
export class ErrNoModelArtifact extends MrInitError {
  static override readonly code = 'ErrNoModelArtifact';
  static override readonly exitCode = 10;
  static override readonly help =
    'The version has artifacts, but no usable model-artifact (all are other types or deleted/abandoned).';
}
export class ErrModelArtifactEmptyURI extends MrInitError {
  static override readonly code = 'ErrModelArtifactEmptyURI';
  static override readonly exitCode = 11;
  static override readonly help = 'Set the model artifact\'s uri in the registry.';
}
export class ErrProtocolNotSupported extends MrInitError {
  static override readonly code = 'ErrProtocolNotSupported';
  static override readonly exitCode = 12;
}
export class ErrStorageNotFound extends MrInitError {
  static override readonly code = 'ErrStorageNotFound';
  static override readonly exitCode = 13;
  static override readonly help = 'Check the URI (bucket, path, file name) and that the model was uploaded there.';
}
export class ErrStorageAuth extends MrInitError {
  static override readonly code = 'ErrStorageAuth';
  static override readonly exitCode = 14;
  static override readonly help = 'Check the storage credentials mounted into the pod (see docs/configuration.md).';
}
export class ErrStorageUnavailable extends MrInitError {
  static override readonly code = 'ErrStorageUnavailable';
  static override readonly exitCode = 15;
  static override readonly help = 'The storage kept failing after retries; check its health and the network, then retry.';
}
export class ErrChecksumMismatch extends MrInitError {
  static override readonly code = 'ErrChecksumMismatch';
  static override readonly exitCode = 16;
  static override readonly help = 'The bytes received differ from the stored checksum; the object may be corrupt or changing.';
}
export class ErrUnsafePath extends MrInitError {
  static override readonly code = 'ErrUnsafePath';
  static override readonly exitCode = 17;
  static override readonly help = 'Rename the object: paths must stay inside the destination.';
}
export class ErrProviderConflict extends MrInitError {
  static override readonly code = 'ErrProviderConflict';
  static override readonly exitCode = 18;
}
export class ErrProviderIncompatible extends MrInitError {
  static override readonly code = 'ErrProviderIncompatible';
  static override readonly exitCode = 19;
}
export class ErrContentIncomplete extends MrInitError {
  static override readonly code = 'ErrContentIncomplete';
  static override readonly exitCode = 20;
  static override readonly help = 'The storage sent fewer or more bytes than it announced; retry, and check any proxy in between.';
}
export class ErrArchive extends MrInitError {
  static override readonly code = 'ErrArchive';
  static override readonly exitCode = 21;
  static override readonly help = 'The archive is corrupt or unsafe; re-create it with relative paths and no links out.';
}
export class ErrDestination extends MrInitError {
  static override readonly code = 'ErrDestination';
  static override readonly exitCode = 22;
  static override readonly help = 'Check that the destination is writable and has enough free space.';
}
export class ErrInterrupted extends MrInitError {
  static override readonly code = 'ErrInterrupted';
  static override readonly exitCode = 130;
  static override readonly help = 'Run the same command again: it resumes where it stopped.';
}
export class ErrInternal extends MrInitError {
  static override readonly code = 'ErrInternal';
  static override readonly exitCode = 70;
  static override readonly help = 'This is a bug in mr-init: please report it with the log (MR_INIT_LOG_LEVEL=debug).';
}

/** All classes, for the docs table and the uniqueness test. */
export const ERROR_CLASSES = [
  ErrUsage, ErrConfig, ErrInvalidMRURI, ErrRegistryUnreachable, ErrRegistryAuth, ErrRegisteredModelNotFound,
  ErrModelVersionNotFound, ErrNoVersionAssociated, ErrNoArtifactAssociated, ErrNoModelArtifact,
  ErrModelArtifactEmptyURI, ErrProtocolNotSupported, ErrStorageNotFound, ErrStorageAuth, ErrStorageUnavailable,
  ErrChecksumMismatch, ErrUnsafePath, ErrProviderConflict, ErrProviderIncompatible, ErrContentIncomplete,
  ErrArchive, ErrDestination, ErrInterrupted, ErrInternal,
] as const;

/** Recognises an MrInitError by shape, so errors from another copy of core still count. */
export function isMrInitError(error: unknown): error is MrInitError {
  return error instanceof MrInitError ||
    (typeof error === 'object' && error !== null && typeof (error as MrInitError).toLine === 'function' &&
      typeof (error as MrInitError).exitCode === 'number');
}
