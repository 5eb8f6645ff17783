/**
 * The one import of zod in Portico: every schema is built from what this module exports, nothing else.
 * zod ships as about a hundred ES modules (its locales among them) written for bundlers; Node loads every
 * one of them, about 60 ms and 10 MB for each command that reads a config. The build therefore bundles
 * this module with the parts of zod it names into one file (`scripts/bundle-vendor.js`, decision 0043):
 * the same zod code, fewer files. Tests run against zod itself through the same names.
 */

export type { core, infer, output } from 'zod';
export {
  array,
  boolean,
  enum,
  int,
  number,
  object,
  record,
  strictObject,
  string,
  toJSONSchema,
  union,
  unknown,
  ZodArray,
  ZodError,
  ZodObject,
  ZodOptional,
  ZodRecord,
  ZodType,
  ZodUnion,
} from 'zod';
