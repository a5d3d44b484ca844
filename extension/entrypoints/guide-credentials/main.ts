import { mountCredentialsForm } from '../../lib/guide/credentials-form.js';

// The password box of the key guides, shown in an iframe on the provider's page (see
// lib/guide/credentials-form.ts for why it is a page of its own).
mountCredentialsForm(document, new URLSearchParams(location.search).get('provider'));
