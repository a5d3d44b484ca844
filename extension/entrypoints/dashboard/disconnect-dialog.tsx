import { useState } from 'preact/hooks';
import type { Problem } from '../../lib/api-client.js';
import type { ConnectionView } from '../../lib/api-types.js';
import { sendMessage } from '../../lib/messaging.js';
import { Dialog } from '../../lib/ui/dialog.js';
import { ProblemNotice } from '../../lib/ui/problem-notice.js';
import type { BusinessData } from './business-data.js';

/** Disconnect (DESIGN step 8): revoke where the provider can, wipe credentials, keep items and rules. */
export function DisconnectDialog({
  data,
  connection,
  onClose,
  onDone,
}: {
  data: BusinessData;
  connection: ConnectionView;
  onClose(): void;
  onDone(message: string): void;
}) {
  const [keepLists, setKeepLists] = useState(true);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<Problem>();

  async function disconnect() {
    setBusy(true);
    const result = await sendMessage('disconnect', { businessId: data.membership.business.id, connectionId: connection.id, keepLists });
    setBusy(false);
    if (!result.ok) return setProblem(result.problem);
    onDone(
      `${connection.providerName} (${connection.organisation.name}) is disconnected. ` +
        (result.value.revoked
          ? `Bookbridge's access was revoked at ${connection.providerName}.`
          : `${connection.providerName} keeps its own record of Bookbridge's access: remove it there if you wish.`) +
        ' Your items and rules are kept.',
    );
  }

  return (
    <Dialog title={`Disconnect ${connection.providerName}?`} onClose={onClose}>
      <ProblemNotice problem={problem} />
      <p>
        Bookbridge stops publishing to <strong>{connection.organisation.name}</strong>, revokes its access at {connection.providerName} where
        that is possible, and deletes the stored credentials. Your items, rules and settings stay in Bookbridge.
      </p>
      <label class="check">
        <input type="checkbox" checked={keepLists} onChange={(e) => setKeepLists(e.currentTarget.checked)} /> Keep the imported lists
        (categories, suppliers and customers, tax rates…) for reference
      </label>
      <div class="row">
        <button type="button" class="danger" disabled={busy} onClick={() => void disconnect()}>
          {busy ? 'Disconnecting…' : 'Disconnect'}
        </button>
        <button type="button" class="secondary" onClick={onClose}>
          Cancel
        </button>
      </div>
    </Dialog>
  );
}
