/**
 * Content-Type resolution for static files: the app's `mimeTypes` config first (spec §1.6), then mime's
 * built-in table, then `application/octet-stream` (acceptance check 29).
 */
import mime from 'mime';

/** The type served when neither the config nor mime's table knows the extension. */
export const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

const TEXTUAL_TYPE = /^text\/|javascript|json|xml|svg/;

/**
 * The Content-Type for a URL path.
 *
 * `customMimeTypes` keys are lower-case extensions with their dot (`.json`); a custom value is used
 * exactly as written. Built-in textual types get `; charset=utf-8` unless they already name a charset.
 *
 * @example
 * resolveContentType('/data.json', {}); // 'application/json; charset=utf-8'
 * resolveContentType('/data.json', { '.json': 'text/json' }); // 'text/json'
 * resolveContentType('/foo.bar', {}); // 'application/octet-stream'
 */
export function resolveContentType(path: string, customMimeTypes: Readonly<Record<string, string>>): string {
  const extension = extractExtension(path);
  if (extension === undefined) {
    return DEFAULT_CONTENT_TYPE;
  }
  if (Object.hasOwn(customMimeTypes, extension)) {
    return customMimeTypes[extension] ?? DEFAULT_CONTENT_TYPE;
  }
  const builtIn = mime.getType(extension.slice(1));
  return builtIn === null ? DEFAULT_CONTENT_TYPE : withCharset(builtIn);
}

/**
 * True when responses of this type are worth compressing on the fly: text, JavaScript, JSON, XML and
 * SVG. Already-compressed or binary formats (images, fonts, `application/wasm`) are not; those are only
 * served compressed from a precompressed `.br`/`.gz` sibling.
 */
export function isCompressible(contentType: string): boolean {
  return TEXTUAL_TYPE.test(essence(contentType));
}

/** The lower-case extension with its dot (`.html`) of the last path segment; none for dotfiles. */
function extractExtension(path: string): string | undefined {
  const name = path.slice(path.lastIndexOf('/') + 1);
  const dot = name.lastIndexOf('.');
  if (dot <= 0 || dot === name.length - 1) {
    return undefined;
  }
  return name.slice(dot).toLowerCase();
}

/** Adds `; charset=utf-8` to textual types that do not name a charset yet. */
function withCharset(contentType: string): string {
  if (!isCompressible(contentType) || /;\s*charset=/i.test(contentType)) {
    return contentType;
  }
  return `${contentType}; charset=utf-8`;
}

/** The media type without parameters, lower-cased: `Text/HTML; charset=x` → `text/html`. */
function essence(contentType: string): string {
  const semicolon = contentType.indexOf(';');
  return (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
}
