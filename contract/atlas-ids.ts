import { z } from 'zod';

/**
 * Identifier shapes Atlas itself enforces. Shared by the workflow contract, the Atlas client and the simulator,
 * so a bad id is refused before it ever reaches Atlas, with the same rule everywhere.
 */

/** A 24-hex-digit Atlas object id (project/group ids, snapshot ids, restore job ids). */
export const ObjectIdSchema = z
  .string()
  .regex(/^[a-f0-9]{24}$/, { message: 'must be a 24-character lowercase hexadecimal Atlas id' });
/** A 24-hex-digit Atlas object id. */
export type ObjectId = z.infer<typeof ObjectIdSchema>;

/** An Atlas cluster name: letters, digits and hyphens, starting with a letter or digit, at most 64 characters. */
export const ClusterNameSchema = z
  .string()
  .min(1, { message: 'must not be empty' })
  .max(64, { message: 'must be at most 64 characters' })
  .regex(/^[a-zA-Z0-9][a-zA-Z0-9-]*$/, {
    message: 'must contain only ASCII letters, digits and hyphens, and start with a letter or digit',
  });
/** An Atlas cluster name. */
export type ClusterName = z.infer<typeof ClusterNameSchema>;

/** The statuses Atlas reports for shared-tier and Flex restore jobs. */
export const RESTORE_JOB_STATUSES = ['PENDING', 'QUEUED', 'RUNNING', 'COMPLETED', 'FAILED'] as const;
/** One of the documented restore job statuses. */
export type RestoreJobStatus = (typeof RESTORE_JOB_STATUSES)[number];
