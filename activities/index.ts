/** The activities the worker registers, built around an Atlas client. */
export {
  createActivities,
  type RestoreActivities,
  type RestoreActivityDeps,
  type RestoreJobsApi,
} from './restore-activities';
