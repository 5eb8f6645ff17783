/** The ordered list of migrations. Names sort in the order they must run; entries are never edited. */
import type { Kysely, Migration } from '../../shared/kysely.js';
import type { Dialect } from '../types.js';
import * as initial from './0001-initial.js';
import * as blobUseTime from './0002-blob-use-time.js';
import * as gatewayAndBackends from './0003-gateway-and-backends.js';
import * as signedOutSessions from './0004-signed-out-sessions.js';
import * as dependencyInstalls from './0005-dependency-installs.js';
import * as customDomains from './0007-custom-domains.js';
import * as azureCompatibility from './0008-azure-compatibility.js';
import * as deploymentContentKey from './0009-deployment-content-key.js';
import * as trafficMinutes from './0010-traffic-minutes.js';
import * as deploymentUploads from './0011-deployment-uploads.js';
import * as identityEpochs from './0012-identity-epochs.js';
import * as siteTags from './0013-site-tags.js';
import * as identitySubjects from './0014-identity-subjects.js';
import * as identitySubjectEpochs from './0015-identity-subject-epochs.js';
import * as identityRecordsOfDeletedSites from './0016-identity-records-of-deleted-sites.js';
import * as forgottenUserIds from './0017-forgotten-user-ids.js';

type DialectMigration = { up(db: Kysely<unknown>, dialect: Dialect): Promise<void> };

const MIGRATIONS: Readonly<Record<string, DialectMigration>> = {
  '0001-initial': initial,
  '0002-blob-use-time': blobUseTime,
  '0003-gateway-and-backends': gatewayAndBackends,
  '0004-signed-out-sessions': signedOutSessions,
  '0005-dependency-installs': dependencyInstalls,
  '0007-custom-domains': customDomains,
  '0008-azure-compatibility': azureCompatibility,
  '0009-deployment-content-key': deploymentContentKey,
  '0010-traffic-minutes': trafficMinutes,
  '0011-deployment-uploads': deploymentUploads,
  '0012-identity-epochs': identityEpochs,
  '0013-site-tags': siteTags,
  '0014-identity-subjects': identitySubjects,
  '0015-identity-subject-epochs': identitySubjectEpochs,
  '0016-identity-records-of-deleted-sites': identityRecordsOfDeletedSites,
  '0017-forgotten-user-ids': forgottenUserIds,
};

/** The migrations bound to one dialect, as Kysely's `Migrator` wants them. */
export function createMigrations(dialect: Dialect): Record<string, Migration> {
  return Object.fromEntries(
    Object.entries(MIGRATIONS).map(([name, migration]) => [
      name,
      { up: (db: Kysely<unknown>) => migration.up(db, dialect) },
    ]),
  );
}
