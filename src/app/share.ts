/**
 * "copy link": the clipboard API where the page may use it (a secure context: https, or http on
 * localhost), else the old copy command on a selected text box, and in every case the link in a
 * box with a line that says what happened — so copying either works or says why not and leaves
 * the link ready to copy by hand.
 */

export interface ShareResult {
  copied: boolean;
  message: string;
}

/** Copies `url`, showing it in `box` (input) and the outcome in `msg`. */
export async function copyLink(url: string, box: HTMLInputElement, msg: HTMLElement): Promise<ShareResult> {
  box.value = url;
  (box.parentElement as HTMLElement).hidden = false;
  let result: ShareResult;
  const clip = window.isSecureContext ? navigator.clipboard : undefined;
  if (clip?.writeText) {
    try {
      await clip.writeText(url);
      result = { copied: true, message: 'link copied to the clipboard' };
    } catch (e) {
      result = { copied: false, message: `the browser refused the clipboard (${(e as Error).message}); copy the link from the box` };
    }
  } else {
    box.focus();
    box.select();
    // the pre-clipboard-API way; it works on plain http in most browsers, inside a click
    let ok = false;
    try {
      ok = document.execCommand('copy');
    } catch {
      ok = false;
    }
    const why = window.isSecureContext
      ? 'this browser has no clipboard API'
      : 'the clipboard API needs https (or localhost), and this page is plain http';
    result = ok
      ? { copied: true, message: `link copied (${why}, so the old copy command was used)` }
      : { copied: false, message: `could not copy: ${why}; the link is selected in the box — copy it by hand` };
  }
  msg.textContent = result.message;
  box.select();
  return result;
}
