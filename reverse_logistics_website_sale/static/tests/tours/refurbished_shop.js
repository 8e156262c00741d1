/** @odoo-module **/

import { registry } from "@web/core/registry";
import * as tourUtils from "@website_sale/js/tours/tour_utils";

const gradeBCard = ".o_refurbished_card:has(.o_refurbished_grade:contains('B - Good'))";

registry.category("web_tour.tours").add("reverse_logistics_website_sale_refurbished", {
    url: "/shop/refurbished",
    steps: () => [
        {
            content: "The grade-B phones are one card, from the lowest price, with the units left",
            trigger: `${gradeBCard}:has(.o_refurbished_units:contains('2')):contains('299.99')`,
        },
        {
            content: "Open the grade-B phone",
            trigger: `${gradeBCard} a.o_refurbished_card_link:contains('Refurb Shop Phone')`,
            run: "click",
        },
        {
            content: "Its page shows the condition, the note for buyers and the warranty",
            trigger: "#o_refurbished_detail:contains('Tiny scratch on the frame'):contains('12 months')",
        },
        {
            content: "Add the unit to the cart",
            trigger: "#o_refurbished_add_to_cart",
            run: "click",
        },
        {
            content: "The cart holds the phone at the listing's price",
            trigger: "#cart_products:contains('Refurb Shop Phone'):contains('299.99')",
        },
        tourUtils.goToCheckout(),
        ...tourUtils.fillAdressForm(),
        tourUtils.confirmOrder(),
        ...tourUtils.payWithDemo(),
    ],
});
