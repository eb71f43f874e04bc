/**
 * A one-file tar archive for PUT /containers/{id}/archive, made with
 * tar-stream (ustar with pax headers for long names).
 */
import tar from "tar-stream";

/** A tar holding `name` (a plain name, no slash) with data, mode and root ownership. */
export const singleFileTar = async (name: string, data: Uint8Array, mode: number): Promise<Buffer> => {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const chunk of pack) chunks.push(Buffer.from(chunk as Uint8Array));
  })();
  await new Promise<void>((resolve, reject) => {
    pack.entry(
      { name, mode, uid: 0, gid: 0, size: data.byteLength, mtime: new Date(), type: "file" },
      Buffer.from(data.buffer, data.byteOffset, data.byteLength),
      (err) => (err ? reject(err) : resolve()),
    );
  });
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
};
