/**
 * The front-end frameworks `portico init` and `portico build` recognise, most specific first: how each is
 * recognised in package.json, its build output folder, and its dev server (command and URL), as each
 * framework's own templates set them up.
 */

/** What a framework's project looks like and how it is built and served in development. */
export interface FrameworkDefinition {
  readonly id: string;
  readonly name: string;
  /** Any of these in dependencies or devDependencies marks the framework. */
  readonly packages: readonly string[];
  /** Build output, relative to the app folder. */
  readonly outputLocation: string;
  /** npm script names for building and for the dev server. */
  readonly buildScript: string;
  readonly devScript: string;
  readonly devServerUrl: string;
  /** A dependency the framework needs to produce a static site, and what to say when it is missing. */
  readonly staticHint?: { readonly needs: (project: PackageFacts) => boolean; readonly message: string };
}

/** What detection reads of a project folder. */
export interface PackageFacts {
  readonly dependencies: ReadonlySet<string>;
  readonly scripts: Readonly<Record<string, string>>;
  /** Text of the framework config files that matter (next.config.*), when present. */
  readonly configText: string;
}

export const FRAMEWORKS: readonly FrameworkDefinition[] = [
  {
    id: 'nextjs',
    name: 'Next.js (static export)',
    packages: ['next'],
    outputLocation: 'out',
    buildScript: 'build',
    devScript: 'dev',
    devServerUrl: 'http://localhost:3000',
    staticHint: {
      needs: (project) => !/output\s*:\s*['"]export['"]/.test(project.configText),
      message:
        "next.config does not set output: 'export'; Static Web Apps serves only a static export (out/), so add it",
    },
  },
  {
    id: 'sveltekit',
    name: 'SvelteKit (static adapter)',
    packages: ['@sveltejs/kit'],
    outputLocation: 'build',
    buildScript: 'build',
    devScript: 'dev',
    devServerUrl: 'http://localhost:5173',
    staticHint: {
      needs: (project) => !project.dependencies.has('@sveltejs/adapter-static'),
      message:
        'install @sveltejs/adapter-static and use it in svelte.config.js to build a static site (build/)',
    },
  },
  {
    id: 'astro',
    name: 'Astro',
    packages: ['astro'],
    outputLocation: 'dist',
    buildScript: 'build',
    devScript: 'dev',
    devServerUrl: 'http://localhost:4321',
  },
  {
    id: 'angular',
    name: 'Angular',
    packages: ['@angular/core'],
    outputLocation: 'dist',
    buildScript: 'build',
    devScript: 'start',
    devServerUrl: 'http://localhost:4200',
  },
  {
    id: 'vue-cli',
    name: 'Vue CLI',
    packages: ['@vue/cli-service'],
    outputLocation: 'dist',
    buildScript: 'build',
    devScript: 'serve',
    devServerUrl: 'http://localhost:8080',
  },
  {
    id: 'vite',
    name: 'Vite',
    packages: ['vite'],
    outputLocation: 'dist',
    buildScript: 'build',
    devScript: 'dev',
    devServerUrl: 'http://localhost:5173',
  },
  {
    id: 'cra',
    name: 'Create React App',
    packages: ['react-scripts'],
    outputLocation: 'build',
    buildScript: 'build',
    devScript: 'start',
    devServerUrl: 'http://localhost:3000',
  },
];

/** The first framework whose packages the project depends on. */
export function matchFramework(project: PackageFacts): FrameworkDefinition | undefined {
  return FRAMEWORKS.find((framework) => framework.packages.some((name) => project.dependencies.has(name)));
}
