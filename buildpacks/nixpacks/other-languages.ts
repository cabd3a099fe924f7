import type { Workspace } from '../plan';

/**
 * Nixpacks providers Berth has no provider for, with the files Nixpacks detects them by (its
 * `detect` functions, simplified to root files and extensions) and their place in Nixpacks'
 * detection order (`get_providers`). Berth uses them to refuse a repository Nixpacks would build
 * as one of these languages, rather than building it as whatever Berth detects after it: a Rails
 * app's `public/` folder served as a static site, or a Ruby app with a package.json built as Node.
 */
interface OtherLanguage {
  name: string;
  /** Position in Nixpacks' order, on the scale of NIXPACKS_ORDER below. */
  order: number;
  files: string[];
  /** File name endings at the root (e.g. `.csproj`). */
  extensions?: string[];
}

/** Where Berth's own providers sit in Nixpacks' order. */
export const NIXPACKS_ORDER: Readonly<Record<string, number>> = { go: 8, node: 16, python: 17, staticfile: 20 };

const OTHER_LANGUAGES: readonly OtherLanguage[] = [
  { name: 'Crystal', order: 0, files: ['shard.yml'] },
  { name: 'C#', order: 1, files: [], extensions: ['.csproj'] },
  { name: 'Dart', order: 2, files: ['pubspec.yaml'] },
  { name: 'Elixir', order: 3, files: ['mix.exs'] },
  { name: 'Deno', order: 4, files: ['deno.json', 'deno.jsonc'] },
  { name: 'F#', order: 5, files: [], extensions: ['.fsproj'] },
  { name: 'Clojure', order: 6, files: ['project.clj', 'build.clj'] },
  { name: 'Java', order: 11, files: ['pom.xml', 'pom.rb', 'pom.scala', 'pom.yaml', 'pom.yml', 'gradlew'] },
  { name: 'Scala', order: 13, files: ['build.sbt'] },
  { name: 'PHP', order: 14, files: ['composer.json', 'index.php'] },
  { name: 'Ruby', order: 15, files: ['Gemfile'] },
  { name: 'Rust', order: 18, files: ['Cargo.toml'] },
  { name: 'Swift', order: 19, files: ['Package.swift'] },
  { name: 'Zig', order: 21, files: [], extensions: ['.zig'] },
  { name: 'COBOL', order: 22, files: [], extensions: ['.cbl'] },
];

export interface OtherLanguageMatch {
  name: string;
  /** The file that gave it away. */
  file: string;
}

/**
 * The language Nixpacks would build the repository as, when that is one Berth has no provider
 * for and it comes before `detected` (Berth's detected provider, if any) in Nixpacks' order.
 */
export function otherLanguageFirst(workspace: Workspace, detected: string | undefined): OtherLanguageMatch | undefined {
  const limit = detected !== undefined ? (NIXPACKS_ORDER[detected] ?? Infinity) : Infinity;
  const root = workspace.list('');
  for (const language of OTHER_LANGUAGES) {
    if (language.order > limit) break;
    const file =
      language.files.find((name) => root.includes(name) && workspace.readFile(name) !== undefined) ??
      root.find((name) => (language.extensions ?? []).some((extension) => name.endsWith(extension)));
    if (file !== undefined) return { name: language.name, file };
  }
  return undefined;
}
