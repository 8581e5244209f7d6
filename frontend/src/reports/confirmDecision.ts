/**
 * Declare winner and Stop on the experiment page ask first, in a dialog that says what happens to
 * customers. Without scripts the form still posts as before; this only puts a question in between.
 */

export type DecisionKind = 'winner' | 'stop';

export interface DecisionText {
  title: string;
  body: string[];
  confirm: string;
  /** Health checks that are not green: a winner declared now may rest on too little evidence. */
  warnings: string[];
}

/** What the dialog says for a decision; pure, so the wording is tested on its own. */
export function decisionText(kind: DecisionKind, variant: string, label: string, warnings: string[] = []): DecisionText {
  const stays = 'Customers already past the split stay on the arm they were given.';
  if (kind === 'winner') {
    return {
      title: `Declare ${variant} the winner of “${label}”?`,
      body: [
        `New customers all go to ${variant}: from now on everyone who reaches this split takes ${variant} (100%).`,
        `${stays} Those assigned before now keep converting within the goal's window.`,
        'The figures as they stand are saved with the decision. The experiment cannot be restarted.',
      ],
      confirm: `Declare ${variant} the winner`,
      warnings,
    };
  }
  // Stopping declares no winner, so the evidence for one is not the question.
  return {
    warnings: [],
    title: `Stop the experiment “${label}”?`,
    body: [
      `New customers all go to ${variant}: from now on everyone who reaches this split takes ${variant} (100%), and no winner is declared.`,
      `${stays} Customers arriving from now on are not counted in the experiment.`,
      'The figures as they stand are saved with the decision. The experiment cannot be restarted.',
    ],
    confirm: 'Stop the experiment',
  };
}

function element<K extends keyof HTMLElementTagNameMap>(doc: Document, tag: K, text?: string): HTMLElementTagNameMap[K] {
  const node = doc.createElement(tag);
  if (text !== undefined) node.textContent = text; // text, never markup: labels come from the graph
  return node;
}

/** Opens the question; resolves true when the reviewer confirms. */
export function askToConfirm(doc: Document, text: DecisionText): Promise<boolean> {
  const dialog = element(doc, 'dialog');
  dialog.className = 'confirm-decision';
  dialog.setAttribute('aria-label', text.title);
  dialog.append(element(doc, 'h2', text.title), ...text.body.map((line) => element(doc, 'p', line)));
  if (text.warnings.length) {
    const box = element(doc, 'div');
    box.className = 'banner amber';
    box.setAttribute('role', 'note');
    const list = element(doc, 'ul');
    list.append(...text.warnings.map((line) => element(doc, 'li', line)));
    box.append(element(doc, 'strong', 'Check the evidence: the health checks say these figures may not support a winner yet.'), list);
    dialog.append(box);
  }
  const actions = element(doc, 'div');
  actions.className = 'confirm-decision__actions';
  const cancel = element(doc, 'button', 'Cancel');
  cancel.type = 'button';
  const confirm = element(doc, 'button', text.confirm);
  confirm.type = 'button';
  confirm.className = 'danger';
  actions.append(cancel, confirm);
  dialog.append(actions);
  doc.body.append(dialog);
  return new Promise((resolve) => {
    const finish = (answer: boolean) => {
      dialog.close();
      dialog.remove();
      resolve(answer);
    };
    cancel.addEventListener('click', () => finish(false));
    confirm.addEventListener('click', () => finish(true));
    dialog.addEventListener('cancel', () => finish(false)); // Escape
    dialog.showModal();
    cancel.focus(); // the safe answer is the default one
  });
}

/** Puts the question in front of every form marked `data-confirm-decision` on the page. */
export function installDecisionConfirm(doc: Document): void {
  for (const form of doc.querySelectorAll<HTMLFormElement>('form[data-confirm-decision]')) {
    form.addEventListener('submit', (event) => {
      const submitter = event.submitter as HTMLButtonElement | null;
      const kind = submitter?.value === 'stop' ? 'stop' : 'winner';
      const variant = (form.elements.namedItem('variant') as HTMLSelectElement | null)?.value ?? '';
      // The page lists the health checks that are not green beside the form (#decision-warnings).
      const warnings = [...doc.querySelectorAll('#decision-warnings li')].map((item) => item.textContent ?? '');
      event.preventDefault();
      void askToConfirm(doc, decisionText(kind, variant, form.dataset.label ?? '', warnings)).then((confirmed) => {
        if (!confirmed) return;
        // submit() sends no submitter, so the pressed button's kind travels in a hidden field.
        const hidden = element(doc, 'input');
        hidden.type = 'hidden';
        hidden.name = 'kind';
        hidden.value = kind;
        form.append(hidden);
        form.submit();
      });
    });
  }
}
