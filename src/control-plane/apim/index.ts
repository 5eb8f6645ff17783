/** API Management services of the control plane: the entities, their checks, and the gateway snapshot. */
export { IMPORT_FORMATS, importApi, isImport } from './api-import.js';
export {
  type ApiProperties,
  DEFAULT_KEY_HEADER,
  deleteApi,
  deleteOperation,
  type OperationProperties,
  putApi,
  putOperation,
} from './apis.js';
export {
  deleteNamedValue,
  listNamedValues,
  type NamedValueProperties,
  namedValueText,
  putNamedValue,
} from './named-values.js';
export {
  deletePolicy,
  findPolicy,
  getPolicy,
  listPolicies,
  type PolicyProperties,
  type PolicyTarget,
  parsePolicyFormat,
  policyInFormat,
  policyKey,
  putPolicy,
} from './policies.js';
export {
  addProductApi,
  deleteProduct,
  type ProductProperties,
  productApiIds,
  putProduct,
  removeProductApi,
} from './products.js';
export {
  type ApimNetwork,
  type ApimService,
  createApimService,
  deleteApimService,
  findApimService,
  findApimServiceById,
  getApimService,
  listApimServices,
  MASTER_SUBSCRIPTION,
  putApimService,
} from './service.js';
export { type ApimSnapshot, loadApimSnapshot } from './snapshot.js';
export { APIM_CHANGE_PREFIX, getEntity, listEntities, type StoredEntity } from './store.js';
export {
  deleteSubscription,
  keysOf,
  listSubscriptions,
  putSubscription,
  regenerateKey,
  type SubscriptionKeys,
  type SubscriptionProperties,
  updateSubscription,
} from './subscriptions.js';
