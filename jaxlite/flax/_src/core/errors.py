"""The ``flax.errors`` classes raised by Linen and flax.core (messages as in Flax)."""
from jaxlite.flax._src.errors import FlaxError

__all__ = [
    "InvalidRngError",
    "ApplyScopeInvalidVariablesTypeError",
    "ApplyScopeInvalidVariablesStructureError",
    "ScopeParamNotFoundError",
    "ScopeCollectionNotFound",
    "ScopeParamShapeError",
    "ScopeVariableNotFoundError",
    "InvalidFilterError",
    "InvalidScopeError",
    "ModifyScopeVariableError",
    "NameInUseError",
    "AssignSubModuleError",
    "SetAttributeInModuleSetupError",
    "SetAttributeFrozenModuleError",
    "MultipleMethodsCompactError",
    "ReservedModuleAttributeError",
    "ApplyModuleInvalidMethodError",
    "CallCompactUnboundModuleError",
    "CallSetupUnboundModuleError",
    "CallUnbindOnUnboundModuleError",
    "InvalidInstanceModuleError",
    "IncorrectPostInitOverrideError",
    "DescriptorAttributeError",
    "InvalidCheckpointError",
    "TransformedMethodReturnValueError",
    "TransformTargetError",
    "JaxTransformError",
]


class InvalidRngError(FlaxError):
  """An rng stream was missing or was not a PRNG key."""


class ApplyScopeInvalidVariablesTypeError(FlaxError):
  def __init__(self):
    super().__init__("The first argument passed to an apply function should be "
                     "a dictionary of collections. Each collection should be a "
                     "dictionary with string keys.")


class ApplyScopeInvalidVariablesStructureError(FlaxError):
  def __init__(self, variables):
    super().__init__("Expect the `variables` (first argument) passed to apply() "
                     'to be a dict with the structure {"params": ...}, but got a dict '
                     'with an extra params layer, i.e.  {"params": {"params": ... } }. '
                     "You should instead pass in your dict's [\"params\"].")


class ScopeParamNotFoundError(FlaxError):
  def __init__(self, param_name, scope_path):
    super().__init__(f'Could not find parameter named "{param_name}" in scope '
                     f'"{scope_path}".')


class ScopeCollectionNotFound(FlaxError):
  def __init__(self, col_name, var_name, scope_path):
    super().__init__(f'Tried to access "{var_name}" from collection "{col_name}" in '
                     f'"{scope_path}" but the collection is empty.')


class ScopeParamShapeError(FlaxError):
  def __init__(self, param_name, scope_path, value_shape, init_shape):
    super().__init__(f'For parameter "{param_name}" in "{scope_path}", the given '
                     f"initializer is expected to generate shape {init_shape}, but the "
                     f"existing parameter it received has shape {value_shape}.")


class ScopeVariableNotFoundError(FlaxError):
  def __init__(self, name, col, scope_path):
    super().__init__(f'No Variable named "{name}" for collection "{col}" '
                     f'exists in "{scope_path}".')


class InvalidFilterError(FlaxError):
  def __init__(self, filter_like):
    super().__init__(f'Invalid Filter: "{filter_like}"')


class InvalidScopeError(FlaxError):
  def __init__(self, scope_name):
    super().__init__(f'The scope "{scope_name}" is no longer valid.')


class ModifyScopeVariableError(FlaxError):
  def __init__(self, col, variable_name, scope_path):
    super().__init__(f'Cannot update variable "{variable_name}" in '
                     f'"{scope_path}" because collection "{col}" is immutable.')


class NameInUseError(FlaxError):
  def __init__(self, key_type, value, module_name):
    super().__init__(f'Could not create {key_type} "{value}" in Module '
                     f"{module_name}: Name in use.")


class AssignSubModuleError(FlaxError):
  def __init__(self, cls):
    super().__init__(f"Submodule {cls} must be defined in `setup()` or in a "
                     "method wrapped in `@compact`")


class SetAttributeInModuleSetupError(FlaxError):
  def __init__(self):
    super().__init__("Module construction attributes are frozen.")


class SetAttributeFrozenModuleError(FlaxError):
  def __init__(self, module_cls, attr_name, attr_val):
    super().__init__(f"Can't set {attr_name}={attr_val} for Module of type "
                     f"{module_cls}: Module instance is frozen outside of "
                     "setup method.")


class MultipleMethodsCompactError(FlaxError):
  def __init__(self):
    super().__init__("Only one method per class can be @compact")


class ReservedModuleAttributeError(FlaxError):
  def __init__(self, annotations):
    super().__init__(f"properties `parent` and `name` are reserved: {annotations}")


class ApplyModuleInvalidMethodError(FlaxError):
  def __init__(self, method):
    super().__init__(f"Cannot call apply(): {method} is not a valid function for apply().")


class CallCompactUnboundModuleError(FlaxError):
  def __init__(self):
    super().__init__("Can't call compact methods on unbound modules")


class CallSetupUnboundModuleError(FlaxError):
  def __init__(self):
    super().__init__("Can't call compact methods on unbound modules")


class CallUnbindOnUnboundModuleError(FlaxError):
  def __init__(self):
    super().__init__("Can't call `unbind()` on unbound modules")


class InvalidInstanceModuleError(FlaxError):
  def __init__(self):
    super().__init__("Can only call init, init_with_output or apply methods on an instance"
                     " of the Module class, not the Module class itself")


class IncorrectPostInitOverrideError(FlaxError):
  def __init__(self):
    super().__init__("Overrode `.__post_init__()` without calling `super().__post_init__()`")


class DescriptorAttributeError(FlaxError):
  def __init__(self):
    super().__init__("Trying to access a property that is accessing a non-existent"
                     " attribute.")


class InvalidCheckpointError(FlaxError):
  def __init__(self, path, step):
    super().__init__(f'Trying to save an outdated checkpoint at step: "{step}" and path:'
                     f' "{path}".')


class TransformedMethodReturnValueError(FlaxError):
  def __init__(self, name):
    super().__init__(f"Transformed module method {name} cannot return Modules or Variables.")


class TransformTargetError(FlaxError):
  def __init__(self, target):
    super().__init__("Linen transformations must be applied to Modules classes or"
                     " functions taking a Module instance as the first argument."
                     f" The provided target is not a Module class or callable: {target}")


class JaxTransformError(FlaxError):
  def __init__(self):
    super().__init__("Jax transforms and Flax models cannot be mixed.")
