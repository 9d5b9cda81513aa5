// xdg-foreign v2: zxdg_exporter_v2 1 and zxdg_importer_v2 1 — one client's
// toplevel as the parent of another client's (a portal dialog over the
// window that asked for it).
//
// Owns: the live handles (handle → Exported), each import of one, and the
// child toplevels each import made children of the exported one.
//
// Invariants:
//  - export_toplevel takes a wl_surface with an xdg_toplevel (else
//    invalid_surface on the exporter) and sends a handle at once: 128 random
//    bits in hex, unguessable, never reused; the handle lives until the
//    zxdg_exported_v2 is destroyed or the toplevel (its xdg_toplevel or its
//    wl_surface) goes, whichever is first;
//  - when a handle goes, every zxdg_imported_v2 of it gets `destroyed`, once,
//    and the relations it set up are undone; importing a handle that does
//    not exist (or no longer) answers `destroyed` at once; a destroyed
//    import ignores set_parent_of;
//  - set_parent_of takes a wl_surface with an xdg_toplevel (else
//    invalid_surface on the import) and does what xdg_toplevel.set_parent
//    does (xdg-shell.ts Toplevel.linkParent: an unmapped parent is no parent,
//    the loop check in O(log n) amortized); the exported toplevel itself or
//    one of its ancestors is invalid_surface on the import, as wlroots does;
//  - undoing a relation (the import destroyed, the handle gone) unsets the
//    child's parent only if it is still the exported toplevel: a parent set
//    since by xdg_toplevel.set_parent or another import stays;
//  - bounds: a client holds at most MAX_EXPORTS exports and MAX_IMPORTS
//    imports (no_memory past either); an import remembers each child once
//    (and forgets it when the child's xdg_toplevel goes), so its memory is
//    bounded by the client's toplevels; every request is O(1) but
//    set_parent_of (O(log n) amortized) and the undoing (O(children)).
import { zxdg_exported_v2, zxdg_exporter_v2, zxdg_imported_v2, zxdg_importer_v2 } from '../../protocol/xdg-foreign.js';
import type { wl_surface } from '../../protocol/wayland.js';
import type { Display, Resource } from '../../server/index.js';
import { ClientQuota } from '../../server/client-quota.js';
import { implement } from '../../server/typed.js';
import { surfaceOf } from '../core/surface.js';
import { XdgSurface, type Toplevel } from './xdg-shell.js';
import { randomToken } from './random-token.js';

/** Exports one client may hold (GTK exports a window once per portal request). */
export const MAX_EXPORTS = 256;
/** Imports one client may hold. */
export const MAX_IMPORTS = 256;

const EXPORTER_ERROR = zxdg_exporter_v2.enums.error.entries;
const IMPORTED_ERROR = zxdg_imported_v2.enums.error.entries;

/** One export: a handle naming a toplevel, and the imports of it. */
class Exported {
  readonly handle: string;
  readonly toplevel: Toplevel;
  readonly imports = new Set<Imported>();
  /** Removes the destroy listeners on the toplevel and its surface. */
  readonly #unlisten: (() => void)[] = [];

  constructor(handle: string, toplevel: Toplevel) {
    this.handle = handle;
    this.toplevel = toplevel;
  }

  listen(remove: () => void): void {
    this.#unlisten.push(remove);
  }

  /** The handle is gone: every import of it hears so and its relations are undone. */
  revoke(): void {
    for (const remove of this.#unlisten) remove();
    this.#unlisten.length = 0;
    for (const imported of this.imports) {
      imported.undo();
      imported.resource.send('destroyed');
    }
    this.imports.clear();
  }
}

/** One import of a handle (null once the handle is gone) and the toplevels it parented. */
class Imported {
  readonly resource: Resource<typeof zxdg_imported_v2>;
  exported: Exported | null;
  /** Children set by this import, with the remover of the listener on their xdg_toplevel. */
  readonly #children = new Map<Toplevel, () => void>();

  constructor(resource: Resource<typeof zxdg_imported_v2>, exported: Exported | null) {
    this.resource = resource;
    this.exported = exported;
  }

  setParentOf(child: Toplevel): void {
    const exported = this.exported;
    if (!exported) return;
    const outcome = child.linkParent(exported.toplevel);
    if (outcome === 'self' || outcome === 'loop') {
      this.resource.postError(IMPORTED_ERROR.invalid_surface, 'a toplevel cannot be the parent of itself or of an ancestor');
      return;
    }
    if (!this.#children.has(child)) this.#children.set(child, child.resource.onDestroy(() => this.#children.delete(child)));
  }

  /** Undoes the relations this import set up (those still in place), and forgets the handle. */
  undo(): void {
    const exported = this.exported;
    this.exported = null;
    for (const [child, remove] of this.#children) {
      remove();
      if (exported && child.isChildOf(exported.toplevel)) child.linkParent(null);
    }
    this.#children.clear();
  }
}

/** The xdg_toplevel behind a wl_surface, or null. */
function toplevelOfSurface(resource: Resource<typeof wl_surface>): Toplevel | null {
  const role = surfaceOf(resource)?.role;
  return role instanceof XdgSurface ? role.toplevel : null;
}

/** Advertises zxdg_exporter_v2 1 and zxdg_importer_v2 1, over one table of handles. */
export function createXdgForeignGlobals(display: Display): void {
  const handles = new Map<string, Exported>();
  const exportQuota = new ClientQuota('xdg-foreign exports', MAX_EXPORTS);
  const importQuota = new ClientQuota('xdg-foreign imports', MAX_IMPORTS);

  display.createGlobal(zxdg_exporter_v2, 1, (exporter) =>
    implement(exporter, zxdg_exporter_v2, {
      export_toplevel: (r, exportedResource, surfaceResource) => {
        implement(exportedResource, zxdg_exported_v2, {});
        const toplevel = toplevelOfSurface(surfaceResource);
        if (!toplevel) {
          r.postError(EXPORTER_ERROR.invalid_surface, `${surfaceResource} is not an xdg_toplevel`);
          return;
        }
        if (!exportQuota.acquire(exportedResource)) return;
        const exported = new Exported(randomToken(), toplevel);
        handles.set(exported.handle, exported);
        const revoke = (): void => {
          if (handles.get(exported.handle) !== exported) return;
          handles.delete(exported.handle);
          exported.revoke();
        };
        exportedResource.onDestroy(revoke);
        exported.listen(toplevel.resource.onDestroy(revoke));
        exported.listen(surfaceResource.onDestroy(revoke));
        exportedResource.send('handle', exported.handle);
      },
    }),
  );

  display.createGlobal(zxdg_importer_v2, 1, (importer) =>
    implement(importer, zxdg_importer_v2, {
      import_toplevel: (_r, importedResource, handle) => {
        const exported = handles.get(handle) ?? null;
        const imported = new Imported(importedResource, exported);
        implement(importedResource, zxdg_imported_v2, {
          set_parent_of: (r, surfaceResource) => {
            const child = toplevelOfSurface(surfaceResource);
            if (!child) r.postError(IMPORTED_ERROR.invalid_surface, `${surfaceResource} is not an xdg_toplevel`);
            else imported.setParentOf(child);
          },
        });
        if (!importQuota.acquire(importedResource)) return;
        importedResource.onDestroy(() => {
          imported.exported?.imports.delete(imported);
          imported.undo();
        });
        if (exported) exported.imports.add(imported);
        else importedResource.send('destroyed'); // no such handle (or no longer)
      },
    }),
  );
}
