// The tend CLI (built) with become.test.ts's modules, run on a pseudo-terminal
// by that test: the resources come as JSON in TEND_BECOME_RESOURCES, the rest
// is the real CLI (process io, SSH transport, ShellTarget).
import { main } from "@tend/cli";

const resources = JSON.parse(process.env.TEND_BECOME_RESOURCES ?? "[]");
const right = (value) => ({ _tag: "Right", right: value });
const modules = {
  resolveVars: () => right({}),
  checksumUrls: () => [],
  controllerArtifacts: () => [],
  factHosts: () => [],
  resources: () => right(resources),
};
process.exitCode = await main(process.argv.slice(2), undefined, { modules });
