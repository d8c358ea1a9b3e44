/** One-click recipes (base, head, augmentation, optimizer, epochs), e.g. the classic Keras VGG16 recipe. */
import { applyRecipe, RECIPE_PRESETS } from '@shared/recipes';
import { useConfig } from '../../state/config';

export function RecipePresets() {
  const { update } = useConfig();
  return (
    <div className="recipe-presets row">
      {RECIPE_PRESETS.map((r) => (
        <button
          key={r.id}
          type="button"
          title={r.description}
          data-recipe={r.id}
          onClick={() => update((c) => applyRecipe(c, r))}
        >
          {r.label}
        </button>
      ))}
    </div>
  );
}
