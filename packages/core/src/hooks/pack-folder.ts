/**
 * Packs a package folder into a tarball kept in mr-init's data folder, so a folder is installed like a
 * tarball. @oclif/plugin-plugins 5 finds the name of a package installed from a `file:` spec by
 * comparing spec types, and every folder spec has the same type: with two folders installed, the
 * second install is recorded under the first one's name. Tarballs are told apart by file name. The
 * tarball stays beside the installed plugins because npm re-reads `file:` dependencies on later installs.
 */
import { spawn } from 'node:child_process';
import { mkdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** npm's CLI script: the copy plugin-plugins itself runs, else whatever `npm` is on PATH. */
async function npmCommand(): Promise<string[]> {
  try {
    const pjsonPath = createRequire(import.meta.url).resolve('npm/package.json');
    const { bin } = JSON.parse(await readFile(pjsonPath, 'utf8')) as { bin: { npm: string } };
    return [process.execPath, join(dirname(pjsonPath), bin.npm)];
  } catch {
    return ['npm'];
  }
}

/** `npm pack` of `folder` into `destination`, without lifecycle scripts; resolves to the tarball's path. */
export async function packFolder(folder: string, destination: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  await mkdir(destination, { recursive: true });
  const [command, ...args] = await npmCommand();
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(command!, [...args, 'pack', '--ignore-scripts', '--json', '--pack-destination', destination],
      { cwd: folder, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    child.on('error', reject);
    child.on('close', (status) => resolve({ code: status, stdout: out, stderr: err }));
  });
  if (code !== 0) throw new Error(`npm pack failed: ${stderr.trim().split('\n').pop() ?? `exit ${code}`}`);
  const [result] = JSON.parse(stdout) as Array<{ filename: string }>;
  return join(destination, result!.filename);
}
