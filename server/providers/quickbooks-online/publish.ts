/**
 * Publishing to QuickBooks: one document as a single create, several as one batch call (up to
 * 30 items; quickbooks-online.md §3). Every write carries a `requestid` made from the
 * document's idempotency key (a batch: from its keys), so QuickBooks answers a retry with the
 * original response instead of writing twice (§5). A batch whose outcome is unknown is resolved
 * by `findPublished` (the PrivateNote marker), then replayed one by one with the single-call
 * requestid.
 */
import { createHash } from 'node:crypto';
import { ProviderError } from '../errors.js';
import type { Attachment, PublishDocument, PublishOutcome, PublishResult, ProviderSession } from '../types.js';
import { documentError, readFault } from './classify.js';
import { realmOf, type QboClient } from './client.js';
import { destinations, documentUrl, marker, toBillPayment, toTransaction, type CompanyFacts, type DestinationInfo } from './mapping.js';

type Rec = Record<string, unknown>;

const safeId = /^[A-Za-z0-9._-]{1,50}$/;

/** requestid for one call: the key itself where it fits Intuit's 50 characters, else its hash. */
export function requestId(key: string, purpose?: string): string {
  if (!purpose && safeId.test(key)) return key;
  return createHash('sha256').update(purpose ? `${key}\0${purpose}` : key).digest('hex').slice(0, 40);
}

/** A batch's requestid (≤ 36 characters): the same documents in the same order give the same id. */
export function batchRequestId(keys: string[]): string {
  return createHash('sha256').update(keys.join('\n')).digest('hex').slice(0, 36);
}

interface Prepared {
  index: number;
  doc: PublishDocument;
  destination: DestinationInfo;
  body: Rec;
  paidAccountType?: string;
}

export function createPublisher(client: QboClient) {
  const companies = new Map<string, Promise<CompanyFacts>>();

  async function companyFacts(session: ProviderSession): Promise<CompanyFacts> {
    const realmId = realmOf(await session.credentials(), session.organisationId);
    let facts = companies.get(realmId);
    if (!facts) {
      facts = client.call(session, { path: `companyinfo/${realmId}` }).then((body) => ({ us: String(((body as Rec).CompanyInfo as Rec | undefined)?.Country ?? 'US') === 'US' }));
      companies.set(realmId, facts);
      facts.catch(() => companies.delete(realmId));
    }
    return facts;
  }

  async function accountType(session: ProviderSession, id: string): Promise<string | undefined> {
    const body = (await client.call(session, { path: `account/${encodeURIComponent(id)}`, document: 'payment account' })) as Rec;
    return String((body.Account as Rec | undefined)?.AccountType ?? '') || undefined;
  }

  async function prepare(session: ProviderSession, doc: PublishDocument, index: number, company: CompanyFacts): Promise<Prepared> {
    const paidAccountType = doc.paid ? await accountType(session, doc.paid.bankAccount.externalId) : undefined;
    const { destination, body } = toTransaction({ doc, company, paidAccountType });
    return { index, doc, destination, body, paidAccountType };
  }

  /** After a bill is created: its payment, when the item was paid (own requestid, so it is replay-safe too). */
  async function finish(session: ProviderSession, p: Prepared, saved: Rec): Promise<PublishResult> {
    const id = String(saved.Id);
    const result: PublishResult = { documentId: id, url: documentUrl(p.destination, id) };
    if (p.destination.entity === 'Bill' && p.doc.paid) {
      try {
        const body = (await client.call(session, {
          method: 'POST',
          path: 'billpayment',
          query: { requestid: requestId(p.doc.idempotencyKey, 'payment') },
          json: toBillPayment(p.doc, id, p.paidAccountType),
          document: 'bill payment',
        })) as Rec;
        result.paymentId = String((body.BillPayment as Rec).Id);
      } catch (error) {
        if (error instanceof ProviderError && (error.kind === 'validation' || error.kind === 'stale_reference')) {
          throw new ProviderError(error.kind, `The bill was created in QuickBooks, but its payment was not recorded: ${error.message}`, {
            fields: error.fields,
            providerMessage: error.providerMessage,
            status: error.status,
            ...(error.list ? { list: error.list } : {}),
          });
        }
        throw error;
      }
    }
    return result;
  }

  async function publishOne(session: ProviderSession, p: Prepared): Promise<PublishResult> {
    const body = (await client.call(session, {
      method: 'POST',
      path: p.destination.entity.toLowerCase(),
      query: { requestid: requestId(p.doc.idempotencyKey) },
      json: p.body,
      document: p.destination.label,
    })) as Rec;
    return finish(session, p, body[p.destination.entity] as Rec);
  }

  return {
    async publish(session: ProviderSession, documents: PublishDocument[]): Promise<PublishOutcome[]> {
      if (documents.length > 30) throw new ProviderError('validation', 'QuickBooks takes at most 30 documents in one batch.');
      const company = await companyFacts(session);
      const outcomes: (PublishOutcome | undefined)[] = new Array(documents.length);
      const prepared: Prepared[] = [];
      for (const [index, doc] of documents.entries()) {
        try {
          prepared.push(await prepare(session, doc, index, company));
        } catch (error) {
          if (!(error instanceof ProviderError) || !['validation', 'stale_reference'].includes(error.kind)) throw error;
          outcomes[index] = { ok: false, error };
        }
      }
      if (prepared.length === 1 && documents.length === 1) {
        const p = prepared[0]!;
        try {
          outcomes[p.index] = { ok: true, result: await publishOne(session, p) };
        } catch (error) {
          if (!(error instanceof ProviderError) || !['validation', 'stale_reference'].includes(error.kind)) throw error;
          outcomes[p.index] = { ok: false, error };
        }
      } else if (prepared.length > 0) {
        const body = (await client.call(session, {
          method: 'POST',
          path: 'batch',
          query: { requestid: batchRequestId(prepared.map((p) => p.doc.idempotencyKey)) },
          json: { BatchItemRequest: prepared.map((p, i) => ({ bId: `b${i + 1}`, operation: 'create', [p.destination.entity]: p.body })) },
        })) as Rec;
        const items = new Map(((body.BatchItemResponse as Rec[] | undefined) ?? []).map((r) => [String(r.bId), r]));
        for (const [i, p] of prepared.entries()) {
          const item = items.get(`b${i + 1}`);
          if (!item) {
            outcomes[p.index] = { ok: false, error: new ProviderError('transient', 'QuickBooks did not answer for this document in the batch.') };
            continue;
          }
          if (item.Fault) {
            outcomes[p.index] = { ok: false, error: documentError(readFault(item).errors, 400, p.destination.label) };
            continue;
          }
          try {
            outcomes[p.index] = { ok: true, result: await finish(session, p, item[p.destination.entity] as Rec) };
          } catch (error) {
            if (!(error instanceof ProviderError)) throw error;
            outcomes[p.index] = { ok: false, error };
          }
        }
      }
      return outcomes.map((o) => o ?? { ok: false, error: new ProviderError('transient', 'No outcome for this document.') });
    },

    /** Looks for the document by its date and the marker in PrivateNote. */
    async findPublished(session: ProviderSession, doc: PublishDocument): Promise<PublishResult | null> {
      const destination = destinations[doc.destination];
      if (!destination || !/^\d{4}-\d{2}-\d{2}$/.test(doc.date)) return null;
      const wanted = marker(doc);
      for (let position = 1; position <= 5000; position += 1000) {
        const body = (await client.call(session, {
          path: 'query',
          query: { query: `SELECT * FROM ${destination.entity} WHERE TxnDate = '${doc.date}' STARTPOSITION ${position} MAXRESULTS 1000` },
        })) as Rec;
        const rows = (((body.QueryResponse as Rec | undefined)?.[destination.entity] as Rec[] | undefined) ?? []);
        const found = rows.find((r) => typeof r.PrivateNote === 'string' && r.PrivateNote.includes(wanted));
        if (found) {
          const id = String(found.Id);
          const result: PublishResult = { documentId: id, url: documentUrl(destination, id) };
          const payment = ((found.LinkedTxn as Rec[] | undefined) ?? []).find((l) => l.TxnType === 'BillPayment');
          if (payment) result.paymentId = String(payment.TxnId);
          return result;
        }
        if (rows.length < 1000) break;
      }
      return null;
    },

    /** POST /upload: a JSON metadata part and the file part, linked to the document. */
    async uploadAttachment(session: ProviderSession, published: PublishResult, doc: PublishDocument, file: Attachment): Promise<void> {
      const destination = destinations[doc.destination];
      if (!destination) throw new ProviderError('validation', 'This document type cannot take an attachment in QuickBooks.');
      const form = new FormData();
      const metadata = {
        FileName: file.fileName,
        ContentType: file.contentType,
        AttachableRef: [{ EntityRef: { type: destination.entity, value: published.documentId }, IncludeOnSend: false }],
      };
      form.append('file_metadata_01', new Blob([JSON.stringify(metadata)], { type: 'application/json' }), 'metadata.json');
      form.append('file_content_01', new Blob([new Uint8Array(file.data)], { type: file.contentType }), file.fileName);
      const body = (await client.call(session, {
        method: 'POST',
        path: 'upload',
        query: { requestid: requestId(doc.idempotencyKey, `attachment:${published.documentId}:${file.fileName}`) },
        body: form,
        document: 'attachment',
      })) as Rec;
      const first = ((body.AttachableResponse as Rec[] | undefined) ?? [])[0];
      if (!first?.Attachable) {
        const { errors } = readFault(first ?? {});
        throw errors.length ? documentError(errors, 400, 'attachment') : new ProviderError('transient', 'QuickBooks did not confirm the attachment.');
      }
    },
  };
}
