/**
 * The fake's OAuth2 token endpoint (RFC 7523 JWT-bearer grant, as Google's): it verifies the assertion's
 * RS256 signature with the service account's registered public key, its audience and expiry, and issues an
 * opaque access token the storage endpoints then accept.
 */
import { createPublicKey, randomBytes, verify, type KeyObject } from 'node:crypto';

export interface TokenGrant {
  email: string;
  scope: string;
}

export class OAuthFake {
  private readonly keys = new Map<string, KeyObject>();
  /** access token → who it was issued to. */
  readonly tokens = new Map<string, TokenGrant>();

  addServiceAccount(email: string, publicKey: KeyObject | string): void {
    this.keys.set(email, typeof publicKey === 'string' ? createPublicKey(publicKey) : publicKey);
  }

  /** Issues a token directly (what a metadata server would hand out). */
  issue(email: string, scope = 'https://www.googleapis.com/auth/devstorage.read_only'): string {
    const token = `ya29.fake-${randomBytes(12).toString('hex')}`;
    this.tokens.set(token, { email, scope });
    return token;
  }

  /** Handles the form body of POST /token; returns the status and JSON reply. */
  exchange(form: string, audience: string): { status: number; body: Record<string, unknown> } {
    const params = new URLSearchParams(form);
    const refuse = (description: string, error = 'invalid_grant') => ({ status: 400, body: { error, error_description: description } });
    if (params.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') return refuse('Unsupported grant_type', 'unsupported_grant_type');
    const parts = (params.get('assertion') ?? '').split('.');
    if (parts.length !== 3) return refuse('Invalid JWT.');
    const [header, claims, signature] = parts as [string, string, string];
    let head: Record<string, unknown>;
    let payload: Record<string, unknown>;
    try {
      head = JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as Record<string, unknown>;
      payload = JSON.parse(Buffer.from(claims, 'base64url').toString('utf8')) as Record<string, unknown>;
    } catch {
      return refuse('Invalid JWT.');
    }
    if (head.alg !== 'RS256') return refuse('Invalid JWT: alg must be RS256.');
    const key = typeof payload.iss === 'string' ? this.keys.get(payload.iss) : undefined;
    if (!key) return refuse('Invalid grant: account not found');
    if (!verify('RSA-SHA256', Buffer.from(`${header}.${claims}`), key, Buffer.from(signature, 'base64url'))) {
      return refuse('Invalid JWT Signature.');
    }
    if (payload.aud !== audience) return refuse(`Invalid JWT: audience must be ${audience}.`);
    const now = Date.now() / 1000;
    if (typeof payload.exp !== 'number' || payload.exp < now || typeof payload.iat !== 'number' || payload.iat > now + 60) {
      return refuse('Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe.');
    }
    const scope = typeof payload.scope === 'string' ? payload.scope : '';
    if (!scope.includes('devstorage') && !scope.includes('cloud-platform')) return refuse('Invalid OAuth scope', 'invalid_scope');
    return { status: 200, body: { access_token: this.issue(payload.iss as string, scope), expires_in: 3599, token_type: 'Bearer' } };
  }
}
