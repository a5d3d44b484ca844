/**
 * Every column that holds a sealed secret, with the context it was sealed under. Key rotation
 * re-encrypts exactly these; a new secret column must be listed here.
 */
export interface SealedColumn {
  table: 'connections' | 'grants' | 'oauth_states';
  key: string;
  column: string;
  context(keyValue: string): string;
}

export const sealedColumns: SealedColumn[] = [
  { table: 'connections', key: 'id', column: 'credentials', context: (id) => `connection:${id}` },
  { table: 'grants', key: 'id', column: 'credentials', context: (id) => `grant:${id}` },
  { table: 'oauth_states', key: 'state_hash', column: 'code_verifier', context: (hash) => `oauth-state:${hash}` },
];
