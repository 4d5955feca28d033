// Keyboard shortcuts: napari's defaults for what this viewer controls, plus H for the HUD.
// Keys typed into a text field, a select or a slider go to that control, not here.

// [key test, what it does (docs/viewer.md lists the same), action name]
export const kShortcuts = [
    { keys: 'Ctrl+Y', does: 'toggle 2D / 3D (view.ndisplay)', action: 'toggle_ndisplay',
      test: (e) => e.ctrlKey && !e.altKey && e.key.toLowerCase() === 'y' },
    { keys: 'Ctrl+R', does: 'reset the view (camera.reset)', action: 'reset_view',
      test: (e) => e.ctrlKey && !e.altKey && !e.shiftKey && e.key.toLowerCase() === 'r' },
    { keys: 'Left / Right', does: 'step the active dims slider back / forward', action: 'step',
      test: (e) => !e.ctrlKey && !e.altKey && (e.key === 'ArrowLeft' || e.key === 'ArrowRight') },
    { keys: 'Alt+Up / Alt+Down', does: 'make the previous / next slider the active one', action: 'cycle_axis',
      test: (e) => e.altKey && !e.ctrlKey && (e.key === 'ArrowUp' || e.key === 'ArrowDown') },
    { keys: 'V', does: 'toggle the selected layer\'s visibility', action: 'toggle_visible',
      test: (e) => !e.ctrlKey && !e.altKey && !e.metaKey && e.key.toLowerCase() === 'v' },
    { keys: 'H', does: 'show / hide the HUD (this viewer\'s own)', action: 'toggle_hud',
      test: (e) => !e.ctrlKey && !e.altKey && !e.metaKey && e.key.toLowerCase() === 'h' },
];

// actions: {toggle_ndisplay(), reset_view(), step(delta), cycle_axis(delta), toggle_visible(), toggle_hud()}
export function attach_shortcuts(target, actions) {
    target.addEventListener('keydown', (e) => {
        if (e.target.closest?.('input:not([type=checkbox]), select, textarea')) return;
        const shortcut = kShortcuts.find((s) => s.test(e));
        if (!shortcut) return;
        e.preventDefault();
        const forward = e.key === 'ArrowRight' || e.key === 'ArrowDown' ? 1 : -1;
        actions[shortcut.action](forward);
    });
}
