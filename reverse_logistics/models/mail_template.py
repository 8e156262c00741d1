from lxml import html
from markupsafe import Markup

from odoo import api, models
from odoo.tools import safe_eval

# Context key under which a template's QWeb body is compiled once for all the records it is rendered for.
COMPILE_ONCE = "return_render_qweb_compiled_once"


class MailTemplate(models.Model):
    _inherit = "mail.template"

    @api.model
    def _render_template_qweb(self, template_src, model, res_ids, add_context=None, options=None):
        """Compile the template once for the batch, when asked (``COMPILE_ONCE`` in the context).

        Odoo parses and compiles a template's QWeb source again for every record it renders (an inline
        template is not cached): for a batch of returns e-mailed at once, compiling costs more than
        rendering. The template, the rendering context and the options are the same for every record
        of the call, so is the compiled code; each record then renders as ``ir.qweb._render`` does
        (its environment prepared and its values checked). Anything unusual (restricted rendering,
        a rendering error) goes through Odoo's own path, which reports errors its way.
        """
        if (
            not self.env.context.get(COMPILE_ONCE)
            or len(res_ids) < 2
            or not template_src
            or not self._unrestricted_rendering
            or not self._has_unsafe_expression_template_qweb(template_src, model)
        ):
            return super()._render_template_qweb(template_src, model, res_ids, add_context, options)
        try:
            return self._render_template_qweb_compiled_once(template_src, model, res_ids, add_context, options)
        except Exception:  # rendered again by Odoo, which raises its own error for the user
            return super()._render_template_qweb(template_src, model, res_ids, add_context, options)

    @api.model
    def _render_template_qweb_compiled_once(self, template_src, model, res_ids, add_context, options):
        variables = self._render_eval_context()
        if add_context:
            variables.update(**add_context)
        qweb = self.env["ir.qweb"].with_context(**(options or {}))
        functions, render_name = None, None
        results = {}
        for record in self.env[model].browse(res_ids):
            values = dict(variables, object=record)
            qweb_env = qweb._prepare_environment(values)
            safe_eval.check_values(values)
            if functions is None:
                template = html.fragment_fromstring(template_src, create_parent="div")
                functions, render_name = qweb_env._compile(template)
            rendered = Markup("".join(functions[render_name](qweb_env, values)))
            # without the <div> wrapping the template's nodes, as Odoo's rendering
            results[record.id] = rendered[5:-6]
        return results
