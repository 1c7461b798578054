import type { Logger } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { RESTORE_SEARCH_ATTRIBUTES, searchAttributeRegistrationCommand } from '../contract/search-attributes';

const KEYWORD = temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;

/** The two operator calls the check needs (a `NativeConnection`'s or `Connection`'s `operatorService`). */
export interface SearchAttributeOperator {
  listSearchAttributes(
    request: temporal.api.operatorservice.v1.IListSearchAttributesRequest
  ): Promise<temporal.api.operatorservice.v1.IListSearchAttributesResponse>;
  addSearchAttributes(
    request: temporal.api.operatorservice.v1.IAddSearchAttributesRequest
  ): Promise<temporal.api.operatorservice.v1.IAddSearchAttributesResponse>;
}

/** Thrown when the namespace lacks the restores' search attributes and the worker may not add them. */
export class MissingSearchAttributesError extends Error {
  override readonly name = 'MissingSearchAttributesError';
}

/**
 * Makes sure the namespace has every restore search attribute as a Keyword before the worker polls: without them
 * each restore's first workflow task would fail and retry forever. Adds the missing ones when `register` is set
 * (self-hosted servers; Temporal Cloud registers through tcld or its UI), otherwise refuses to start with the exact
 * commands to run. When the server does not let this worker list attributes at all, it warns and goes on.
 */
export async function ensureSearchAttributes(
  operator: SearchAttributeOperator,
  namespace: string,
  register: boolean,
  logger: Logger
): Promise<void> {
  let listed: temporal.api.operatorservice.v1.IListSearchAttributesResponse;
  try {
    listed = await operator.listSearchAttributes({ namespace });
  } catch (err) {
    logger.warn('Could not list search attributes; assuming they are registered', {
      namespace,
      error: err instanceof Error ? err.message : String(err),
    });
    return;
  }
  const custom = listed.customAttributes ?? {};
  const wrongType = RESTORE_SEARCH_ATTRIBUTES.filter((k) => k.name in custom && custom[k.name] !== KEYWORD);
  if (wrongType.length > 0) {
    throw new MissingSearchAttributesError(
      `Search attributes ${wrongType.map((k) => k.name).join(', ')} exist in namespace ${namespace} with a type ` +
        'other than Keyword; restores need them as Keyword'
    );
  }
  const missing = RESTORE_SEARCH_ATTRIBUTES.filter((k) => !(k.name in custom));
  if (missing.length === 0) return;
  const names = missing.map((k) => k.name);
  if (!register) {
    throw new MissingSearchAttributesError(
      `Namespace ${namespace} lacks the search attributes restores use: ${names.join(', ')}. Register them with\n` +
        `  ${searchAttributeRegistrationCommand(namespace, names)}\n` +
        '(Temporal Cloud: tcld namespace search-attributes add, or the Cloud UI), or set ' +
        'TEMPORAL_REGISTER_SEARCH_ATTRIBUTES=true to let the worker add them'
    );
  }
  try {
    await operator.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(names.map((n) => [n, KEYWORD])),
    });
  } catch (err) {
    // Another worker starting at the same moment may have added them first: only the final state matters.
    const again = await operator.listSearchAttributes({ namespace });
    const stillMissing = names.filter((n) => !(n in (again.customAttributes ?? {})));
    if (stillMissing.length > 0) {
      throw new MissingSearchAttributesError(
        `Could not register search attributes ${stillMissing.join(', ')} in namespace ${namespace}: ` +
          `${err instanceof Error ? err.message : String(err)}`
      );
    }
  }
  logger.info('Registered the restore search attributes', { namespace, names });
}
